-- Doors written before 0015 take their key's createdAt, so the lock's list pages them in order.
UPDATE `collective_temp_key_doors` SET `created_at` = (
	SELECT `k`.`created_at` FROM `collective_temp_keys` `k` WHERE `k`.`uuid` = `collective_temp_key_doors`.`uuid`
) WHERE `created_at` = '';
