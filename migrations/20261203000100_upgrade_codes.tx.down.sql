DROP TABLE upgrade_codes;
