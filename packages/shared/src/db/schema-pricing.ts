/** Price override history and repricing (migration 0010). */
export interface PricingTables {}
