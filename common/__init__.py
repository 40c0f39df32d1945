"""Small pieces shared by every process: config loading, logging set-up, clocks."""
