-- Documents the parser rejected (newest first, $limit rows). They belong to no operator, so only
-- users who see every operator ($all_operators) get them.
select
    d.document_id,
    d.file_name,
    d.ingested_at,
    d.rejection_reason,
    d.size_bytes
from documents d
where d.status = 'rejected' and $all_operators
order by d.ingested_at desc, d.document_id desc
limit $limit
