-- Exchange trades, last delivered version of each trade, with the signed volume (buy +, sell −).
with latest as (
    {{ latest_row_per_key(source('trading', 'exchange_trades'), ['trade_id']) }}
)

select
    trade_id,
    market_code,
    exchange,
    market_segment,
    balancing_group_eic,
    delivery_start as delivery_start_utc,
    delivery_minutes,
    side,
    volume_mwh,
    case when side = 'sell' then -volume_mwh else volume_mwh end as signed_volume_mwh,
    price_per_mwh,
    currency,
    executed_at as executed_at_utc,
    _source_file as source_file,
    _source_line as source_line,
    _versions_count as versions_count
from latest
