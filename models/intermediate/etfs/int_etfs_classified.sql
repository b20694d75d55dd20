{#-
    Asset class, sub-class, region and leverage of every ticker that has prices, with where they
    came from: the universe metadata; else keywords in the ETF's name (seed asset_class_keywords);
    else its return behaviour over its first `asset_class_inference_sessions` returns.

    Behaviour is matched against reference series: the day's median return of the funds whose
    metadata says they are of one asset class and region (at least three funds that day). The
    best-correlated reference gives the asset class and region when its correlation is >= 0.5.
    A geared fund has, to an equity reference, a beta >= 1.8 with correlation >= 0.85 (geared
    funds track their index tightly; high-beta emerging markets do not) or a beta >= 2.5 with
    correlation >= 0.5 (a 2x or 3x fund on a sector or country tracks the broad index loosely,
    but no unlevered fund seen moved 2.5 times it); a beta <= -0.5 with correlation <= -0.5 to
    the broad market marks an inverse one; leverage is the rounded beta, capped at 3 either way
    (so a 2x fund with a beta of 2.5 or more is recorded as 3x: its risk is very_high either
    way).
    Without usable reference_series (no universe file) the broad market is the median return of
    all funds, and:

        annualised vol < 2 %                      -> cash
        beta <= -0.5 and correlation <= -0.5      -> equity, inverse
        beta >= 1.8 and correlation >= 0.85,
        or beta >= 2.5 and correlation >= 0.5     -> equity, leveraged_long
        correlation >= 0.5                        -> equity
        annualised vol < 12 %                     -> fixed_income
        otherwise                                 -> other

    The gearing thresholds (seed config_trials, classification-01 to -09): on an independent
    1,000-fund universe classified without metadata (benchmarks/independent_universe.py, seed
    11), the 1x funds correlated >= 0.5 to the broad market had betas up to 1.90 (1x broad
    equity funds 1.60-1.76: the median of equity, bond and other funds moves less than an equity
    index); the rule before (beta >= 1.6 at 0.85 only) found 17 of the 55 geared long funds and
    called 12 1x funds geared, these rules find 32 and none. On the 300 real US funds without
    metadata (stooq_us_etfs_more; 1x betas up to 1.99) they add EURL and KORU (3x) and URE (2x)
    and no longer call ERUS and NORW (1x country funds) 2x. Not found from returns: gearing of a
    bond or commodity fund (a 3x Treasury fund moves like a long-duration one) and inverse funds
    on assets uncorrelated with the market (gold, bonds); their names (asset_class_keywords) or
    metadata must say it.

    risk_category follows from the class (seed risk_category_rules: lowest matching priority;
    any leverage other than 1 is very_high).

    Behavioural inference uses exactly the ticker's first `asset_class_inference_sessions`
    returns, so it never changes once made; `inferred_as_of_date` is the date of the last return
    it used. A ticker with fewer returns is `other` / `pending_history` until it has them
    (metadata and name keywords apply at once).

    A live refresh classifies again only the tickers with a new row among their first
    `asset_class_inference_sessions` + 1 (new and young funds), with the reference returns of
    their early dates alone; every other ticker keeps its row as this table holds it, with its
    last date moved to its newest row: its early returns are all dated before the new rows, so
    that row is the one a full build gives. (Over the whole history, in refreshes at 3,000
    funds beside the features, it took 33-38 s instead of 2 while about 2 GB waited to be
    written to disk: DuckDB spilling, presumably.)
-#}
{%- set refresh_from = live_refresh_from() %}
{#- a live refresh of an existing table (a table, not incremental: it writes every ticker) -#}
{%- set refresh = is_incremental_refresh() and execute
    and adapter.get_relation(this.database, this.schema, this.identifier) is not none %}

{#- geared: BETA and CORR to an equity reference or the broad market (the rules above) -#}
{%- set geared = '((BETA >= 1.8 and CORR >= 0.85) or (BETA >= 2.5 and CORR >= 0.5))' %}
{%- set geared_to_best = geared | replace('BETA', 'best_fits.best_beta')
    | replace('CORR', 'best_fits.best_corr') %}
{%- set geared_to_market = geared | replace('BETA', 'best_fits.beta_to_market')
    | replace('CORR', 'best_fits.corr_to_market') %}

with

prices as (
    select
        ticker,
        price_date,
        obs_index,
        daily_return
    from {{ ref('int_prices_adjusted') }}
),

-- the rows of the tickers classified here: every ticker's, or in a refresh the young ones'
classified_prices as (
    select * from prices
    {%- if refresh %}
    where ticker in (
            select new_prices.ticker from prices as new_prices
            where
                new_prices.price_date >= {{ refresh_from }}
                and new_prices.obs_index <= {{ var('asset_class_inference_sessions') }} + 1
        )
    {%- endif %}
),

metadata as (
    select * from {{ ref('int_etf_metadata') }}
),

keywords as (
    select * from {{ ref('asset_class_keywords') }}
),

tickers as (
    select
        ticker,
        min(price_date) as first_date,
        max(price_date) as last_date
    from classified_prices
    group by ticker
),

early_returns as (
    select
        ticker,
        price_date,
        daily_return
    from classified_prices
    where
        daily_return is not null
        and obs_index <= {{ var('asset_class_inference_sessions') }} + 1
        and ticker not in (
            select metadata.ticker from metadata
            where metadata.asset_class is not null
        )
),

-- only the dates some fund's early returns fall on need a reference return: the medians over
-- every fund and date held gigabytes at 3,000 funds, for nothing when all funds have metadata
early_dates as (
    select distinct price_date from early_returns
),

reference_series as (
    -- one series per asset class and region known from metadata, plus the broad market
    select
        metadata.asset_class,
        metadata.region,
        prices.price_date,
        median(prices.daily_return) as reference_return
    from prices
    inner join metadata
        on prices.ticker = metadata.ticker
    where
        metadata.asset_class is not null
        and coalesce(metadata.leverage, 1) = 1
        and prices.daily_return is not null
        and prices.price_date in (select early_dates.price_date from early_dates)
    group by metadata.asset_class, metadata.region, prices.price_date
    having count(*) >= 3
    union all
    select
        'market' as asset_class,
        null as region,
        price_date,
        median(daily_return) as reference_return
    from prices
    where
        daily_return is not null
        and price_date in (select early_dates.price_date from early_dates)
    group by price_date
),

early_stats as (
    select
        ticker,
        count(*) as n_returns,
        max(price_date) as inferred_as_of_date,
        -- rounded (as the statistics below): DuckDB's parallel aggregates can differ in the
        -- last bits from run to run, and a rebuild must reproduce these values
        round(stddev_samp(daily_return) * sqrt({{ var('trading_days_per_year') }}), 12) as vol_ann
    from early_returns
    group by ticker
),

reference_fits as (
    select
        early_returns.ticker,
        reference_series.asset_class,
        reference_series.region,
        round(corr(early_returns.daily_return, reference_series.reference_return), 12)
            as corr_to_reference,
        round(regr_slope(early_returns.daily_return, reference_series.reference_return), 12)
            as beta_to_reference
    from early_returns
    inner join reference_series
        on early_returns.price_date = reference_series.price_date
    group by early_returns.ticker, reference_series.asset_class, reference_series.region
    having count(*) >= 20
),

best_fits as (
    select
        reference_fits.ticker,
        arg_max(reference_fits.asset_class, abs(reference_fits.corr_to_reference))
        filter (where reference_fits.asset_class != 'market') as best_asset_class,
        arg_max(reference_fits.region, abs(reference_fits.corr_to_reference))
        filter (where reference_fits.asset_class != 'market') as best_region,
        max(reference_fits.corr_to_reference)
        filter (where reference_fits.asset_class != 'market') as best_corr,
        arg_max(reference_fits.beta_to_reference, reference_fits.corr_to_reference)
        filter (where reference_fits.asset_class != 'market') as best_beta,
        any_value(reference_fits.corr_to_reference)
        filter (where reference_fits.asset_class = 'market') as corr_to_market,
        any_value(reference_fits.beta_to_reference)
        filter (where reference_fits.asset_class = 'market') as beta_to_market
    from reference_fits
    group by reference_fits.ticker
),

behaviour_class as (
    select
        early_stats.*,
        best_fits.best_corr,
        best_fits.corr_to_market,
        best_fits.beta_to_market,
        case
            when early_stats.vol_ann < 0.02 then 'cash'
            when best_fits.beta_to_market <= -0.5 and best_fits.corr_to_market <= -0.5
                then 'equity'
            when best_fits.best_corr >= 0.5 then best_fits.best_asset_class
            when {{ geared_to_market }} then 'equity'
            when best_fits.corr_to_market >= 0.5 then 'equity'
            when early_stats.vol_ann < 0.12 then 'fixed_income'
            else 'other'
        end as behaviour_asset_class,
        case when best_fits.best_corr >= 0.5 then best_fits.best_region end as behaviour_region,
        case
            when early_stats.vol_ann < 0.02 then 'cash'
            when best_fits.beta_to_market <= -0.5 and best_fits.corr_to_market <= -0.5
                then 'inverse'
            when best_fits.best_asset_class = 'equity' and {{ geared_to_best }}
                then 'leveraged_long'
            when best_fits.best_corr >= 0.5 then 'inferred_' || best_fits.best_asset_class
            when {{ geared_to_market }} then 'leveraged_long'
            when best_fits.corr_to_market >= 0.5 then 'inferred_equity'
            when early_stats.vol_ann < 0.12 then 'inferred_fixed_income'
            else 'unclassified'
        end as behaviour_sub_class,
        case
            when early_stats.vol_ann < 0.02 then 1
            when best_fits.beta_to_market <= -0.5 and best_fits.corr_to_market <= -0.5
                then greatest(least(round(best_fits.beta_to_market), -1), -3)
            when best_fits.best_asset_class = 'equity' and {{ geared_to_best }}
                then least(round(best_fits.best_beta), 3)
            when coalesce(best_fits.best_corr, 0) < 0.5 and {{ geared_to_market }}
                then least(round(best_fits.beta_to_market), 3)
            else 1
        end as behaviour_leverage
    from early_stats
    left outer join best_fits
        on early_stats.ticker = best_fits.ticker
    -- a class inferred from fewer returns would change once they arrive: wait for all of them
    where early_stats.n_returns >= {{ var('asset_class_inference_sessions') }}
),

keyword_match as (
    select
        metadata.ticker,
        arg_min(keywords.asset_class, keywords.priority) as keyword_asset_class,
        arg_min(keywords.sub_class, keywords.priority) as keyword_sub_class,
        arg_min(keywords.leverage, keywords.priority) as keyword_leverage
    from metadata
    inner join keywords
        on regexp_matches(lower(metadata.etf_name), keywords.pattern)
    where metadata.asset_class is null
    group by metadata.ticker
),

classified as (
    select
        tickers.ticker,
        tickers.first_date,
        tickers.last_date,
        metadata.ticker is not null as has_metadata,
        coalesce(metadata.etf_name, tickers.ticker) as etf_name,
        coalesce(
            metadata.asset_class,
            keyword_match.keyword_asset_class,
            behaviour_class.behaviour_asset_class,
            'other'
        ) as asset_class,
        coalesce(
            metadata.sub_class,
            keyword_match.keyword_sub_class,
            behaviour_class.behaviour_sub_class,
            'pending_history'
        ) as sub_class,
        coalesce(metadata.region, behaviour_class.behaviour_region, 'UNKNOWN') as region,
        coalesce(metadata.currency, 'UNKNOWN') as currency,
        coalesce(
            metadata.leverage,
            keyword_match.keyword_leverage,
            behaviour_class.behaviour_leverage,
            1
        ) as leverage,
        case
            when metadata.asset_class is not null then 'metadata'
            else 'inferred'
        end as asset_class_source,
        case
            when metadata.asset_class is not null then null
            when keyword_match.keyword_asset_class is not null then 'name_keywords'
            when behaviour_class.behaviour_asset_class is not null then 'return_behaviour'
            else 'pending_history'
        end as inference_method,
        case
            when metadata.asset_class is null then behaviour_class.inferred_as_of_date
        end as inferred_as_of_date,
        behaviour_class.vol_ann as early_vol_ann,
        behaviour_class.best_corr as early_best_reference_corr,
        behaviour_class.corr_to_market as early_corr_to_market,
        behaviour_class.beta_to_market as early_beta_to_market
    from tickers
    left outer join metadata
        on tickers.ticker = metadata.ticker
    left outer join keyword_match
        on tickers.ticker = keyword_match.ticker
    left outer join behaviour_class
        on tickers.ticker = behaviour_class.ticker
),

risk_rules as (
    select * from {{ ref('risk_category_rules') }}
),

risk_matched as (
    select
        classified.ticker,
        arg_min(risk_rules.risk_category, risk_rules.priority) as rule_risk_category
    from classified
    inner join risk_rules
        on
            classified.asset_class like risk_rules.asset_class
            and classified.sub_class like risk_rules.sub_class_like
    group by classified.ticker
),

final as (
    select
        classified.*,
        -- seed risk_category_rules by class; any gearing or inverse exposure is very_high
        case
            when classified.leverage != 1 then 'very_high'
            else coalesce(risk_matched.rule_risk_category, 'high')
        end as risk_category
    from classified
    left outer join risk_matched
        on classified.ticker = risk_matched.ticker
)
{%- if refresh %},

-- the tickers not classified again: as this table holds them, with their newest row's date
kept as (
    select
        stored.* exclude (last_date),
        coalesce(new_rows.last_date, stored.last_date) as last_date
    from {{ this }} as stored
    left outer join (
        select
            ticker,
            max(price_date) as last_date
        from prices
        where price_date >= {{ refresh_from }}
        group by ticker
    ) as new_rows
        on stored.ticker = new_rows.ticker
    where stored.ticker not in (select classified_prices.ticker from classified_prices)
)

select * from final
union all by name
select * from kept
{%- else %}

select * from final
{%- endif %}
