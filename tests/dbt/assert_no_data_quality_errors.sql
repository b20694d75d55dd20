-- A data-quality result of severity `error` means the data contradicts itself (e.g. the row
-- accounting does not balance): the build must not pass.
select * from {{ ref('mart_data_quality') }}
where severity = 'error'
