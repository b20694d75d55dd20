{#- In-file config: a live refresh updates this table incrementally (macro live_materialized). -#}
{{ config(
    materialized=live_materialized(),
    incremental_strategy='tail',
    tail_column='price_date'
) }}
{#-
    The tickers' days with more than one raw row (int_prices_parsed): the only days on which
    rule 2 (int_prices_row_checked) has copies to rank. Every other valid row is its day's only
    one, kept as it is, so the ranking window runs over these days' rows alone. Over every row
    it sorted the whole parsed row (3,000 funds, a quarter of the tickers: int_prices_validated
    6.5 -> 3.5 CPU-seconds; int_prices_decisions loses a 1.0-second window). A table, because
    the view's readers take the tickers in batches and a grouping inside the view ran over
    every ticker for each batch.

    A superset of the days with duplicated valid rows: a day counts here whatever rule 1 says of
    its rows. A live refresh recounts the days on or after refresh_from, the earliest date of
    the newest batch of rows: every day a new row can repeat (rebuilt in full, the grouping of
    every parsed row cost 0.9-1.2 s a refresh at 3,000 funds).
-#}
select
    ticker,
    price_date,
    count(*) as n_rows
from {{ ref('int_prices_parsed') }}
where ticker is not null and price_date is not null
{{- live_since('price_date', live_refresh_from(), keyword='and') }}
group by ticker, price_date
having count(*) > 1
