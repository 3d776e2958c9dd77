{#-
    latest_row_per_key(relation, key_columns, order_by)

    A SELECT returning, for every key, the row delivered last. Raw tables keep every delivery; the same
    key in a later file is a revision, so the default order is the delivery order of the file
    (`_ingestion_seq`) and then the line in it. Adds `_version_rank` (always 1) and `_versions_count`.
-#}
{% macro latest_row_per_key(relation, key_columns, order_by='_ingestion_seq desc, _source_line desc') -%}
    select *
    from (
        select
            source_rows.*,
            row_number() over (partition by {{ key_columns | join(', ') }} order by {{ order_by }}) as _version_rank,
            count(*) over (partition by {{ key_columns | join(', ') }}) as _versions_count
        from {{ relation }} as source_rows
    ) as ranked_rows
    where _version_rank = 1
{%- endmacro %}
