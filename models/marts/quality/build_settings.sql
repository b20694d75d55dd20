{#-
    Every var's value as this full build resolved it (dbt_project.yml, then --vars): what the
    warehouse's tables were computed with. A live refresh compares its own values with these
    before any model runs and stops, naming each setting that differs
    (macros/live/check_build_settings.sql): its new rows would be computed with other settings
    than the rest. A refresh never runs this model.

    Settings that change how fast a build runs and never a value (macro performance_only_vars)
    are recorded with affects_results false and may differ.
-#}

select
    setting_name,
    setting_value,
    affects_results
from (
    values
    {%- for name in var_kinds() %}
    (
        '{{ name }}',
        '{{ tojson(var(name)) | replace("'", "''") }}',
        {{ name not in performance_only_vars() }}
    ){{ ',' if not loop.last }}
    {%- endfor %}
) as settings (setting_name, setting_value, affects_results)
