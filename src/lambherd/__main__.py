from lambherd.cli import main

main()
