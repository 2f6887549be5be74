import { Type } from 'typebox';

/**
 * OpenAPI descriptions of the wire objects. Request bodies are described here for the docs but
 * validated by the core (it owns the rules and the precise error codes), so these stay loose.
 */
export const SignedRecordSchema = Type.Object(
  { payload: Type.Object({}, { additionalProperties: true }), sig: Type.String() },
  { description: 'A payload and the agent signature over its RFC 8785 bytes (base64url)' },
);

export const CountersignedRecordSchema = Type.Object(
  {
    payload: Type.Object({}, { additionalProperties: true }),
    sig: Type.String(),
    countersig: Type.Object({ by: Type.String(), at: Type.String(), sig: Type.String() }),
  },
  { description: 'A signed record with the registry countersignature' },
);

export const RegistrationSchema = Type.Object(
  { addr: SignedRecordSchema, facts: SignedRecordSchema, rotation: Type.Optional(SignedRecordSchema) },
  { description: 'A signed AgentAddr and the signed AgentFacts it commits to; to move the name to a new key, also a KeyRotation signed by the current key (docs/spec.md 9.3)' },
);

export const OwnershipSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('proven'), Type.Literal('unclaimed')]),
    namespace: Type.String(),
    owner: Type.Optional(Type.String({ description: 'The key that signed the namespace claim' })),
    proof: Type.Optional(Type.String({ description: 'dns-txt, https or did-web' })),
    provenAt: Type.Optional(Type.String({ description: 'When the registry checked the proof' })),
    subtree: Type.Optional(Type.String({ description: "The subtree whose grant holds the agent's key ('' for the whole namespace)" })),
  },
  { description: "proven: the namespace's owner proved control of its domain and granted the agent's key the name; unclaimed: nobody claimed the namespace (spec section 21)" },
);

export const AgentRecordSchema = Type.Object({
  name: Type.String(),
  agentId: Type.String(),
  seq: Type.Integer(),
  updatedAt: Type.String(),
  addr: CountersignedRecordSchema,
  rotations: Type.Optional(Type.Array(CountersignedRecordSchema, { description: 'The key rotations of the name, oldest first' })),
  ownership: Type.Optional(OwnershipSchema),
});

export const EndpointSchema = Type.Object(
  {
    url: Type.String(),
    protocol: Type.String(),
    transport: Type.Optional(Type.String()),
    version: Type.Optional(Type.String()),
    region: Type.Optional(Type.String()),
    cost: Type.Optional(Type.Number()),
    capacity: Type.Optional(Type.Number()),
    priority: Type.Optional(Type.Integer()),
  },
  { additionalProperties: true },
);

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Array(Type.Object({ code: Type.String(), detail: Type.String(), pointer: Type.Optional(Type.String()) })),
  },
  { description: 'RFC 9457 problem details; `code` is a stable code of docs/errors.md', additionalProperties: true },
);

export const NameParams = Type.Object({
  name: Type.String({ description: 'An agent name in any accepted form, URL-encoded as one path segment', minLength: 1, maxLength: 1024 }),
});

export const problemResponses = {
  400: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  410: ProblemSchema,
  413: ProblemSchema,
  415: ProblemSchema,
};
