"""The weekly faculty digest: building it, the Markdown/HTML document, delivery and views."""
