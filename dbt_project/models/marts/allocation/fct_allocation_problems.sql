-- What the last allocation run could not use or produce (a refused invoice, a tree that does not hold together, a
-- reconciliation whose template or data are incomplete), and the notes on invoices that do not count yet.
select kind, subject, message, recorded_at
from {{ source('allocation_ledger', 'problems') }}
