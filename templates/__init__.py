"""The default theme, shipped inside the wheel as the package `digest.templates`."""
