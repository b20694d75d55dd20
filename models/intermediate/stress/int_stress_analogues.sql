{#-
    The analogue return of each kind of fund in each stress scenario: the median modelled return
    (int_stress_modelled_returns) of the funds of a sub-class, and of an asset class, with at
    least two such funds. Historical scenarios pool own-history returns (delisted funds
    included); hypothetical ones pool factor-model returns. mart_stress_tests falls back on
    these for a fund with no return of its own, sub-class first.
-#}

with

modelled as (
    select * from {{ ref('int_stress_modelled_returns') }}
),

shocks as (
    select * from {{ ref('stress_factor_shocks') }}
),

etfs as (
    select
        ticker,
        asset_class,
        sub_class
    from {{ ref('int_etfs_classified') }}
),

analogue_pool as (
    -- historical: any fund's own history; hypothetical: any fund's factor-model return
    select
        modelled.scenario,
        etfs.asset_class,
        etfs.sub_class,
        modelled.shocked_return
    from modelled
    inner join etfs
        on modelled.ticker = etfs.ticker
    where
        modelled.method = 'own_history'
        or (
            modelled.method = 'factor_model'
            and modelled.scenario in (select shocks.scenario from shocks)
        )
),

sub_class_analogues as (
    select
        scenario,
        asset_class,
        sub_class,
        median(shocked_return) as shocked_return
    from analogue_pool
    group by scenario, asset_class, sub_class
    having count(*) >= 2
),

asset_class_analogues as (
    select
        scenario,
        asset_class,
        median(shocked_return) as shocked_return
    from analogue_pool
    group by scenario, asset_class
    having count(*) >= 2
),

final as (
    select
        scenario,
        'sub_class' as analogue_level,
        asset_class,
        sub_class,
        shocked_return
    from sub_class_analogues
    union all
    select
        scenario,
        'asset_class' as analogue_level,
        asset_class,
        null::varchar as sub_class,
        shocked_return
    from asset_class_analogues
)

select * from final
