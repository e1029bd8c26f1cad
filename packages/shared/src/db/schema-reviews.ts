/** Human review queue and reviews (migration 0012). */
export interface ReviewTables {}
