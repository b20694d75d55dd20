{#-
    The sample market's daily factor returns (python model sample_factor_returns), typed.
-#}
with

factor_returns as (
    select * from {{ ref('sample_factor_returns') }}
),

final as (
    select
        date::date as date,
        rf,
        mkt_rf,
        smb,
        hml,
        term,
        credit,
        fx_usd,
        glb_x,
        eu_x,
        em_x,
        reit_x,
        gold,
        oil,
        comm
    from factor_returns
)

select * from final
