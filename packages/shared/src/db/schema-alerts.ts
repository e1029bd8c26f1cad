/** Alert rules, channels and notifications (migration 0011). */
export interface AlertTables {}
