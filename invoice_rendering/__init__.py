"""Invoice documents (PDF, e-invoice XML, exports, delivery); built in the invoice-documents issue."""
