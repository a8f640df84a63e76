from acorders.cli import main

main()
