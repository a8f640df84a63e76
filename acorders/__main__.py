from acorders.launch import main

main()
