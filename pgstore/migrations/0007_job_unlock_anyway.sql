-- "Unlock anyway": the starter of a bulk job ticked this person, one by
-- one, in the confirmation that listed the locks placed through the
-- console; without it the job skips such a lock.
ALTER TABLE job_items ADD COLUMN unlock_anyway boolean NOT NULL DEFAULT false;
