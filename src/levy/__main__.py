from levy.cli import main

main()
