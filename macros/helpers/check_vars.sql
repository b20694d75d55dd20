{#-
    Every var of the run checked before any model runs (on-run-start): a value of the wrong kind
    stops the run with an error naming the var, its value and what it must be, instead of a
    Python traceback or a SQL binder error deep inside one model. A var the project does not
    read (a typo such as `prices_paht`, or a contract var not built yet) is named in a warning
    rather than ignored in silence; it does not stop the run (callers may pass vars ahead of
    the project).

    The kinds below cover every var in dbt_project.yml (tests/unit/test_check_vars.py keeps the
    two in step): integer, number, boolean, text_or_null (a path, a code), date (YYYY-MM-DD),
    or a list of the accepted values.
-#}
{% macro var_kinds() -%}
    {%- set kinds = fromyaml("
# BEGIN VAR KINDS
prices_path: text_or_null
prices_format: [null, stooq, yahoo, long]
universe_path: text_or_null
corporate_actions_path: text_or_null
exchange_calendar: text_or_null
build_batch_rows: integer
holdings_path: text_or_null
macro_path: text_or_null
benchmark_ticker: text_or_null
sample_n_etfs: integer
sample_years: number
sample_end_date: date
sample_seed: integer
sample_signal_strength: number
sample_faults: boolean
spike_min_log_move: number
spike_vol_multiple: number
spike_extreme_log_move: number
split_ratio_tolerance: number
split_bar_tolerance: number
ordinary_range_floor: number
ordinary_range_multiple: number
wide_range_multiple: number
split_volume_tolerance: number
genuine_volume_surge: number
split_residual_floor: number
split_ordinary_move_z: number
calendar_min_share: number
delisting_grace_sessions: integer
window_1m: integer
window_3m: integer
window_6m: integer
window_12m: integer
trading_days_per_year: integer
asset_class_inference_sessions: integer
regime_fast_trend_sessions: integer
regime_trend_sessions: integer
regime_vol_sessions: integer
regime_vol_baseline_sessions: integer
regime_high_vol_ratio: number
scoring_weights_mode: [regime, fixed, learned]
learned_weights_window: integer
learned_weights_horizon: integer
learned_weights_min_ics: integer
learned_weights_shrinkage: number
min_history_sessions: integer
min_traded_value: number
max_zero_volume_share: number
beta_plausible_max: number
min_universe_size: integer
penalty_points_cap: number
position_top_n: integer
forecast_horizon: integer
forecast_max_train_months: integer
market_context_adjustment: boolean
rate_pressure_full_pp: number
credit_pressure_full_pp: number
geo_pressure_full_ratio: number
macro_adjustment_strength: number
geo_adjustment_strength: number
market_multiplier_min: number
market_multiplier_max: number
macro_change_days: integer
geo_baseline_days: integer
macro_max_staleness_days: integer
stress_min_abs_t: number
stress_conditional_shocks: boolean
portfolio_value_aud: number
lot_size: integer
impact_coefficient: number
max_participation: number
python_workers: integer
beta_kalman_memory: integer
garch_refit_months: integer
garch_max_window: integer
garch_min_obs: integer
garch_horizon: integer
garch_band_multiple: number
forecast_embargo: integer
forecast_retrain_months: integer
forecast_min_train_months: integer
forecast_min_funds_per_month: integer
forecast_seed: integer
forecast_gbm_max_train_rows: integer
portfolio_top_n: integer
portfolio_selection_buffer: number
portfolio_max_weight: number
portfolio_risk_aversion: number
portfolio_turnover_penalty: number
portfolio_cov_window: integer
spa_reps: integer
validation_seed: integer
validation_extra_trials: integer
factor_daily_window: integer
factor_daily_min_obs: integer
factor_monthly_window: integer
factor_monthly_min_obs: integer
factor_max_staleness_days: integer
# END VAR KINDS
") -%}
    {{- return(kinds) -}}
{%- endmacro %}

{#- Why `value` is not of `kind`, or an empty string when it is. -#}
{% macro var_kind_problem(value, kind) -%}
    {%- if kind is sequence and kind is not string -%}
        {%- if value not in kind -%}
            must be one of {{ kind | map('string') | map('replace', 'None', 'null') | join(', ') }}
        {%- endif -%}
    {%- elif kind == 'integer' -%}
        {%- if value is boolean or value is not integer -%}must be a whole number{%- endif -%}
    {%- elif kind == 'number' -%}
        {%- if value is boolean or value is not number -%}must be a number{%- endif -%}
    {%- elif kind == 'boolean' -%}
        {%- if value is not boolean -%}must be true or false{%- endif -%}
    {%- elif kind == 'text_or_null' -%}
        {%- if value is not none and value is not string -%}must be text (or null){%- endif -%}
    {%- elif kind == 'date' -%}
        {%- if value is string -%}
            {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value) -%}
                must be a date, YYYY-MM-DD
            {%- endif -%}
        {%- elif value.isoformat is not defined -%}must be a date, YYYY-MM-DD
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro check_vars() -%}
    {%- if execute -%}
        {%- set kinds = var_kinds() -%}
        {%- set problems = [] -%}
        {%- set given = invocation_args_dict.get('vars') or {} -%}
        {%- if given is string -%}{%- set given = fromyaml(given) or {} -%}{%- endif -%}
        {%- for name in given -%}
            {%- if name not in kinds and name != 'live_refresh' -%}
                {%- do exceptions.warn(
                    '--vars: ' ~ name ~ ' is not a var this project reads (dbt_project.yml'
                    ~ ' lists them): ignored'
                ) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for name, kind in kinds.items() -%}
            {%- set value = var(name) -%}
            {%- set problem = var_kind_problem(value, kind) | trim -%}
            {%- if problem -%}
                {%- set shown = "'" ~ value ~ "'" if value is string else (value | string) -%}
                {%- do problems.append(name ~ ' = ' ~ shown ~ ': ' ~ problem) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if problems -%}
            {%- do exceptions.raise_compiler_error(
                'bad --vars value(s):\n  - ' ~ (problems | join('\n  - '))
            ) -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
