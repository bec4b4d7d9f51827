"""Wire protocols: each turns HTTP requests into dispatcher invocations and back."""
