/** Most procedure calls in one tRPC batch: the API refuses a larger batch (400), the dashboard's client splits. */
export const MAX_BATCH_CALLS = 20;
