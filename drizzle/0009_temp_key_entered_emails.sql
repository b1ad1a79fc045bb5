-- The e-mails a manager typed for a whitelist key on the page (user id -> e-mail): the only ones the page shows.
ALTER TABLE `temp_keys` ADD `entered_emails` text;