/** What the serializer remembers of a dimension to compute rates. */
export interface PreviousValue {
  readonly value: bigint;
  /** Wall-clock ms of the tick it came from. */
  readonly timeMs: number;
}
