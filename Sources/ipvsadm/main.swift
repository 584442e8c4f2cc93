import IPVSAdmin; IPVSAdmin.main()
