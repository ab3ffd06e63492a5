"""The WTO TBT notification monitor: symbols, notification readers and the watch over new measures."""
