-- Doors written before 0006 take their key's createdAt, so the lock's list pages them in order.
UPDATE "collective_temp_key_doors" d SET "created_at" = k."created_at"
FROM "collective_temp_keys" k WHERE k."uuid" = d."uuid" AND d."created_at" = '';
