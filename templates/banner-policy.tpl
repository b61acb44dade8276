/* policy @POLICY@ */
