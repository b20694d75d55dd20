{{ config(severity='warn') }}
-- The bias correction should shrink each ML member's mean out-of-sample error. A warning, not
-- an error: on a short or unlucky history it can fail without anything being broken (the
-- end-to-end tests assert it on the embedded sample).
select
    member,
    sum(mean_error_raw * n_scored) / sum(n_scored) as bias_raw,
    sum(mean_error_corrected * n_scored) / sum(n_scored) as bias_corrected
from {{ ref('mart_forecast_diagnostics') }}
group by member
having abs(sum(mean_error_corrected * n_scored)) >= abs(sum(mean_error_raw * n_scored))
