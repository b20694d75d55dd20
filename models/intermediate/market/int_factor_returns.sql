{#-
    Factor returns for the factor-exposure regressions, one row per factor and period
    (decimal returns per period; `period_date` = the last day of the period, the first day the
    return is fully known).

    - Embedded sample, daily: the generator's own factors (the drivers of every fund's price):
      mkt_rf, smb, hml, term, credit, fx_usd, glb_x, eu_x, em_x, reit_x, gold, oil, comm.
    - Real files, monthly (period_date = the month's last calendar day): the real Fama-French
      mkt_rf, smb, hml from arch, and three macro factors built from arch's US series:
        term   = -10 x the change of the Moody's Aaa yield (a 10-year-duration bond's return
                 from the yield change; the sample's `term` has the same meaning),
        credit = -5 x the change of the Baa - Aaa spread (a 5-year spread duration),
        oil    = the month's change of WTI crude (last quotes).
      A month enters only when every factor has a value (so through 2018-11). There is no
      AUD or FX factor for real files.
-#}

with

{% if var('prices_path', none) is none %}
factors as (
    select * exclude (rf) from {{ ref('stg_sample__factor_returns') }}
),

unpivoted as (
    unpivot factors
    on columns(* exclude (date))
    into name factor value factor_return
),

final as (
    select
        'daily' as frequency,
        date as period_date,
        factor,
        factor_return
    from unpivoted
)
{% else %}
fama_french as (
    select * from {{ ref('ref_fama_french_monthly') }}
),

macro as (
    select
        month_start::date as month_start,
        -10.0 * (aaa_yield_pct - lag(aaa_yield_pct) over by_month) / 100.0 as term,
        -5.0 * (credit_spread_pct - lag(credit_spread_pct) over by_month) / 100.0 as credit,
        wti_usd / lag(wti_usd) over by_month - 1.0 as oil
    from {{ ref('ref_us_macro_monthly') }}
    window by_month as (order by month_start)
),

monthly as (
    select
        fama_french.month_end::date as period_date,
        fama_french.mkt_rf,
        fama_french.smb,
        fama_french.hml,
        macro.term,
        macro.credit,
        macro.oil
    from fama_french
    inner join macro
        on fama_french.month_start::date = macro.month_start
    where macro.term is not null and macro.credit is not null and macro.oil is not null
),

unpivoted as (
    unpivot monthly
    on mkt_rf, smb, hml, term, credit, oil
    into name factor value factor_return
),

final as (
    select
        'monthly' as frequency,
        period_date,
        factor,
        factor_return
    from unpivoted
)
{% endif %}

select * from final
