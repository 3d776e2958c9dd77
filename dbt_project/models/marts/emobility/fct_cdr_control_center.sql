-- The CDR control center: every delivered CDR row with its rating status and reason. The first delivery of an id
-- carries the rating; a later delivery of the same id is a `repeat` (never rated twice); a CDR the rating has not
-- reached yet is `pending`.
with deliveries as (
    select * from {{ ref('stg_emobility__charge_detail_records') }}
),

ratings as (
    select * from {{ source('emobility_ledger', 'cdr_ratings') }}
),

providers as (
    select emp_id, legal_name from {{ ref('stg_emobility__e_mobility_providers') }}
),

invoiced as (
    select cdr_id, invoice_number from {{ source('emobility_ledger', 'emp_invoice_cdrs') }}
)

select
    d.cdr_id,
    d.source_file,
    d.source_line,
    not d.is_first_delivery as is_repeat,
    case
        when not d.is_first_delivery then 'repeat'
        when r.cdr_id is null then 'pending'
        else r.status
    end as rating_status,
    case when not d.is_first_delivery then 'repeat' else r.reason_code end as reason_code,
    case
        when not d.is_first_delivery then 'A CDR with this id was received before; a CDR is rated once'
        else r.reason
    end as rating_reason,
    coalesce(d.is_first_delivery and r.notify_cpo, false) as notifies_cpo,
    r.company_id,
    r.country_code,
    d.evse_id,
    d.emp_id,
    p.legal_name as emp_name,
    d.product_id,
    r.offer_id,
    r.pricing_methodology,
    d.currency,
    d.is_credit,
    d.credit_reference_id,
    d.start_date_time as session_start,
    d.end_date_time as session_end,
    r.invoiced_month,
    d.total_energy_kwh as energy_kwh,
    d.total_time_hours as time_hours,
    d.total_parking_time_hours as parking_hours,
    case when d.is_first_delivery then r.net_amount end as net_amount,
    case when d.is_first_delivery then r.vat_amount end as vat_amount,
    case when d.is_first_delivery then r.gross_amount end as gross_amount,
    case when d.is_first_delivery then i.invoice_number end as invoice_number,
    r.rated_at
from deliveries as d
left join ratings as r on r.cdr_id = d.cdr_id
left join providers as p on p.emp_id = d.emp_id
left join invoiced as i on i.cdr_id = d.cdr_id
