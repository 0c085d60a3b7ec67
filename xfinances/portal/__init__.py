"""The clients' portal: a company's clients see their documents, statement and how to pay,
and accept or return documents. Signed in by one-time links; scoped to one company + party."""
