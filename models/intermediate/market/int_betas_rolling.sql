{#- The rolling OLS betas of every fund and day: macros/market/rolling_betas.sql. -#}
{{ rolling_betas() }}
