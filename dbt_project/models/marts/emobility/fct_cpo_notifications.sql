-- Notifications to the CPO: one per not-rated CDR whose reason the seed marks "Yes to CPO" (no EVSE data, tax not
-- configured) or that shows a configuration gap (no offer, an unusable OCPI tariff), with what to do about it.
select
    r.rated_at as notified_at,
    r.cdr_id,
    r.reason_code,
    r.reason as rating_reason,
    case r.reason_code
        when 'no_evse_data' then 'Add EVSE ' || d.evse_id || ' to the EVSE data to rate future CDRs on this charging point.'
        when 'tax_not_configured' then 'Configure the tax of ' || r.emp_id || ' in ' || coalesce(r.country_code, 'this country')
            || ' for every price component of its offer (or add the subsidiary), then invoice this CDR separately.'
        when 'no_offer' then 'Agree an offer with ' || r.emp_id || ' in ' || coalesce(r.country_code, 'this country')
            || ' to rate future CDRs, then invoice this CDR separately.'
        else 'Deliver or correct the OCPI tariff of offer ' || coalesce(r.offer_id, '?') || ', then invoice this CDR separately.'
    end as handling,
    r.company_id,
    r.country_code,
    d.evse_id,
    r.emp_id,
    r.offer_id,
    r.session_start
from {{ source('emobility_ledger', 'cdr_ratings') }} as r
join {{ ref('stg_emobility__charge_detail_records') }} as d
    on d.cdr_id = r.cdr_id and d.is_first_delivery
where r.notify_cpo
