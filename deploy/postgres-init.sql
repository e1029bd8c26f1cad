-- Run by the postgres image on first start (empty data directory): Inngest's own database, beside Tally's.
CREATE DATABASE inngest OWNER tally;
