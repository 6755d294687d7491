-- must_save(ok, missing) is true when ok is, and otherwise fails the
-- statement that calls it with missing as its message (SQLSTATE P0002,
-- no_data_found). A payment's save checks with it, inside its own
-- statement, that every row it meant to change was there: the save is
-- sent in one message with its COMMIT, which PostgreSQL does not run after
-- an error, so a save that missed a row is never committed in part.
-- (A parameter named found would be PL/pgSQL's own FOUND.)
CREATE FUNCTION must_save(ok boolean, missing text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found', MESSAGE = missing;
    END IF;
    RETURN true;
END
$$;
