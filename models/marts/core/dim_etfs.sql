{#-
    One row per ETF with clean prices: metadata (or inferred asset class), risk category,
    listing history and delisting status (the rules are in int_etfs_listed).
-#}
with

listed as (
    select * from {{ ref('int_etfs_listed') }}
),

final as (
    select * from listed
)

select * from final
