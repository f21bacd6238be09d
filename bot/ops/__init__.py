"""Running the bot: checks a command makes before it starts, and log safety for the whole process."""
