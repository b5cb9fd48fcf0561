"""Reading a workspace: its jobs as rows (``jobrow``), the index that keeps them fast at
100,000 jobs (``jobindex``, ``store``: SQLite, or PostgreSQL for a shared workspace), the
``--filter`` language (``filter``, ``fields``) and ``Results`` (``results``). The job
folders stay the truth: the index is rebuilt from them at any time."""
