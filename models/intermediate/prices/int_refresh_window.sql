{#-
    The newest batch of price rows and the first date it touches: in a live refresh the models
    that opt in recompute their rows dated on or after refresh_from and keep the rest (see
    macros/live/live_refresh.sql). In a full build every batch is 1 and nothing reads this.
-#}
with

parsed as (
    select
        ingest_batch,
        price_date
    from {{ ref('int_prices_parsed') }}
),

newest as (
    select max(ingest_batch) as ingest_batch
    from parsed
),

final as (
    select
        newest.ingest_batch,
        min(parsed.price_date) as refresh_from,
        max(parsed.price_date) as refresh_to,
        count(parsed.ingest_batch) as n_rows
    from newest
    left outer join parsed
        on newest.ingest_batch = parsed.ingest_batch
    group by newest.ingest_batch
)

select * from final
