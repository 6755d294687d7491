DROP FUNCTION must_save(boolean, text);
