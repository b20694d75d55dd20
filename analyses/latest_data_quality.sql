-- What needs attention in the last build: warnings and errors by check, most frequent first.
-- Compile with `dbt compile -s latest_data_quality` and run the SQL in any DuckDB client.
select
    check_name,
    severity,
    count(*) as n_results,
    sum(rows_affected) as rows_affected,
    count(distinct ticker) as n_tickers
from {{ ref('mart_data_quality') }}
where severity in ('warning', 'error')
group by check_name, severity
order by n_results desc
