"""The park's rules as plain functions taking a session; callers own the transaction."""
