"""State of the store manager dashboard (/manage/...): one module per section.

Handlers parse what was typed, call the functions in `actions_*` (which open a unit of work
with the acting user's TenantContext and call the domain) and keep the rows to show. Nothing is
decided here: permissions, limits and scoping to the manager's store are the domain's.
"""
