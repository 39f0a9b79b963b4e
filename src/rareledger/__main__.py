from rareledger.cli import main

main()
