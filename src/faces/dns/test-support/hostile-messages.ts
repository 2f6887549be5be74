import fc from 'fast-check';

/** A message cut short anywhere, or with one byte set to any value: what a fuzz test of a DNS parser sends. */
export function cutOrMutated(message: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.nat({ max: message.length }).map((end) => Uint8Array.from(message.subarray(0, end))),
    fc.tuple(fc.nat({ max: message.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
      const mutated = Uint8Array.from(message);
      mutated[at] = byte;
      return mutated;
    }),
  );
}
