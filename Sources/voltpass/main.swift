print("voltpass")
