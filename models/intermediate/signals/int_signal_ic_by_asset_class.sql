{#-
    int_signal_ic within each asset class: the same rank ICs and quintile returns
    (macros/signals/signal_quality.sql) on the cross-section of one asset class, for the
    by-asset-class rows of mart_signal_diagnostics. A class with fewer than
    `min_universe_size` funds with a forward return on a date has no row that date.
-#}

select * from ({{ signal_quality(ref('int_signal_values'), 'asset_class') }})
