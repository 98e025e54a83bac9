-- Schema 2: demo or real becomes a property of each document and case (where it came from), not
-- of the whole database. schema.sql has just added documents.is_demo and cases.is_demo (false for
-- every existing row: real until shown otherwise). A file made by schema 1 knew only a database-wide
-- flag, meta 'is_demo': where it said 'true', the documents the demo command wrote (batches of
-- origin 'demo') and the synthetic cases without a document are demo; everything else in it, such as
-- a real form uploaded into the demonstration, is real.
update documents
set is_demo = true
where (select value from meta where key = 'is_demo') = 'true'
    and batch_id in (select batch_id from ingest_batches where origin = 'demo');

update cases
set is_demo = true
where (select value from meta where key = 'is_demo') = 'true'
    and (
        case_id in (select document_id from documents where is_demo)
        or case_id not in (select document_id from documents)
    );

-- The database-wide flag is gone: nothing may read it any more.
delete from meta where key = 'is_demo';
